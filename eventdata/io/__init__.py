"""The input/output layer: every file and service events come from or go to.

- :mod:`~eventdata.io.acled_csv`: ACLED exports (CSV, Excel, the API's rows), read and written,
  and the one reading path of every source (:func:`~eventdata.io.acled_csv.read_validated`);
- :mod:`~eventdata.io.tables`: a delimited file as a table of text: delimiter, dialect, lines;
- :mod:`~eventdata.io.ucdp`: UCDP GED exports;
- :mod:`~eventdata.io.incidents`: incidents hand-coded from news reports;
- :mod:`~eventdata.io.acled_api`: the ACLED API client (``eventdata.acled``).

It imports the core layer only.
"""

from eventdata.io.acled_csv import read_acled, read_table, write_acled
from eventdata.io.incidents import read_incidents, write_template
from eventdata.io.tables import sniff_delimiter
from eventdata.io.ucdp import read_ucdp_ged

__all__ = [
    "read_acled",
    "read_incidents",
    "read_table",
    "read_ucdp_ged",
    "sniff_delimiter",
    "write_acled",
    "write_template",
]
