from inbound.cli import main

main()
