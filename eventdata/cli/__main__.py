"""``python -m eventdata.cli``: the ``eventdata`` command."""

from eventdata.cli import main

raise SystemExit(main())
