"""The tools that run the system: the ``desk`` command, user accounts, and the embedded
PostgreSQL, broker and process stack behind ``desk run`` and the tests. Tools may import the
services; nothing imports the tools but tests."""
