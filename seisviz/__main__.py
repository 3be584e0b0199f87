import sys

from seisviz.cli import main

sys.exit(main())
