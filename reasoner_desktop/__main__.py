from reasoner_desktop.cli import main

raise SystemExit(main())
