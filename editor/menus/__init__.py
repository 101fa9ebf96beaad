"""Menus: the list, creating and importing, each menu's page and settings, its system
messages, publishing and versions, export, and the service codes that route to menus."""
