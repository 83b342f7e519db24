"""The complaint desk: its wire contract (``contract``), the runtime every service stands on
(``shared``), the four services (``services``) and the tools that run them (``tools``)."""
