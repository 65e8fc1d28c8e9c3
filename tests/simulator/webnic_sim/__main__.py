"""python -m webnic_sim: run the simulator until SIGTERM/SIGINT."""

from .cli import main

raise SystemExit(main())
