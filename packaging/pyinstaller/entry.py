"""The frozen app's entry point: the same `main()` as the `reasoner-desktop` console script."""

import multiprocessing
import sys

from reasoner_desktop.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # Windows and macOS spawn: a child process must not start the app again
    sys.exit(main())
