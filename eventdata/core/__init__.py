"""The core layer: what every other layer stands on.

- :mod:`~eventdata.core.errors`: the exceptions and warnings;
- :mod:`~eventdata.core.codebook`: the ACLED codebook (event types, inter codes, vintages);
- :mod:`~eventdata.core.options`: checks of the options every function shares;
- :mod:`~eventdata.core.progress`: progress reporting;
- :mod:`~eventdata.core.sources`: the sources' names, and telling them apart by header;
- :mod:`~eventdata.core.schema`: the pandera schemas of each source;
- :mod:`~eventdata.core.coercion`: typing a frame's columns to a schema (text, numbers, dates);
- :mod:`~eventdata.core.validation`: validation and the quarantine of rejected rows;
- :mod:`~eventdata.core.coverage`: what period each source covers;
- :mod:`~eventdata.core.admin1`: admin1 names across codebook vintages;
- :mod:`~eventdata.core.files`: the last step of a write that must not replace a file.

The core imports pandas, numpy, pyarrow and pandera only; no other layer of eventdata.
:mod:`~eventdata.core.errors`, :mod:`~eventdata.core.files`, :mod:`~eventdata.core.sources`
and :mod:`~eventdata.core.version` import none of them (the command line parses with those).
"""
