# Reference values of R's surveillance for eventdata's escalation alerts (issue 15, item 6).
#
# Reads the fixed series in tests/data/alerts_reference_series.json and writes
# tests/data/r_surveillance_reference.json with the calls, their outputs and
# the R and package versions. The tests compare eventdata with the stored
# values and never need R. Run from the repository root:
#
#   apt-get install -y r-base-core r-cran-surveillance   # Debian; jsonlite comes with it
#   Rscript benchmarks/r_surveillance_reference.R
suppressPackageStartupMessages({
  library(surveillance)
  library(jsonlite)
})
series <- fromJSON("tests/data/alerts_reference_series.json")
out <- list(
  provenance = list(
    script = "benchmarks/r_surveillance_reference.R",
    R = R.version.string,
    surveillance = as.character(packageVersion("surveillance")),
    jsonlite = as.character(packageVersion("jsonlite")),
    date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
    series = "tests/data/alerts_reference_series.json"
  ),
  calls = list()
)
add <- function(name, call, values) {
  out$calls[[name]] <<- c(list(call = call), values)
}

# ---------------------------------------------------------------- EARS C1, C2, C3
daily <- sts(observed = series$daily, start = c(2020, 1), frequency = 365)
n <- length(series$daily)
for (method in c("C1", "C2", "C3")) {
  for (minSigma in c(0, 0.5)) {
    first <- switch(method, C1 = 8, C2 = 10, C3 = 12)
    ctrl <- list(range = first:n, method = method, baseline = 7,
                 minSigma = minSigma, alpha = pnorm(-3))
    res <- earsC(daily, control = ctrl)
    add(sprintf("earsC_%s_minSigma%s", method, minSigma),
        sprintf("earsC(sts(daily, frequency = 365), control = list(range = %d:%d, method = '%s', baseline = 7, minSigma = %s, alpha = pnorm(-3)))",
                first, n, method, minSigma),
        list(range = ctrl$range, upperbound = as.vector(upperbound(res)),
             alarm = as.vector(alarms(res))))
  }
}

# ---------------------------------------------------------------- CUSUM (likelihood-ratio, known theta)
# glrnb with theta given is the CUSUM of the log-likelihood ratio of mu0 * exp(theta)
# against mu0 (negative binomial with alpha = 1 / size, or Poisson with alpha = 0),
# restarted after each alarm; ret = "value" returns the statistic.
mu0 <- mean(series$daily[1:56])
for (alpha in c(0, 0.4)) {
  ctrl <- list(range = 57:n, c.ARL = 4, mu0 = rep(mu0, n - 56), alpha = alpha,
               theta = log(1.5), dir = "inc", ret = "value")
  res <- glrnb(daily, control = ctrl)
  add(sprintf("glrnb_cusum_alpha%s", alpha),
      sprintf("glrnb(sts(daily), control = list(range = 57:%d, c.ARL = 4, mu0 = rep(mean(daily[1:56]), %d), alpha = %s, theta = log(1.5), dir = 'inc', ret = 'value'))",
              n, n - 56, alpha),
      list(range = ctrl$range, mu0 = mu0, alpha = alpha, theta = log(1.5), c_ARL = 4,
           statistic = as.vector(upperbound(res)), alarm = as.vector(alarms(res))))
}

# ---------------------------------------------------------------- farringtonFlexible
for (name in c("weekly", "weekly_sparse")) {
  y <- series[[name]]
  weekly <- sts(observed = y, start = c(2015, 1), frequency = 52)
  settings <- list(
    noufaily = list(b = 5, w = 3, reweight = TRUE, weightsThreshold = 2.58, alpha = 0.05,
                    trend = TRUE, pThresholdTrend = 0.05, limit54 = c(5, 4), powertrans = "2/3",
                    noPeriods = 10, pastWeeksNotIncluded = 26, thresholdMethod = "delta"),
    farrington = list(b = 3, w = 3, reweight = TRUE, weightsThreshold = 1, alpha = 0.01,
                      trend = TRUE, pThresholdTrend = 0.05, limit54 = c(5, 4), powertrans = "2/3",
                      noPeriods = 1, pastWeeksNotIncluded = 3, thresholdMethod = "delta")
  )
  for (s in names(settings)) {
    ctrl <- settings[[s]]
    ctrl$range <- (52 * ctrl$b + ctrl$w + 1 + 26):length(y)
    res <- farringtonFlexible(weekly, control = ctrl)
    shown <- ctrl
    add(sprintf("farringtonFlexible_%s_%s", name, s),
        paste0("farringtonFlexible(sts(", name, ", start = c(2015, 1), frequency = 52), control = ",
               paste(deparse(shown), collapse = ""), ")"),
        list(control = shown, range = ctrl$range,
             upperbound = as.vector(upperbound(res)), alarm = as.vector(alarms(res)),
             expected = as.vector(res@control$expected), score = as.vector(res@control$score),
             pvalue = as.vector(res@control$pvalue), phi = as.vector(res@control$phiVector),
             trend = as.vector(res@control$trend)))
  }
}
write_json(out, "tests/data/r_surveillance_reference.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE, na = "null")
cat("wrote tests/data/r_surveillance_reference.json\n")
