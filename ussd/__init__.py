"""The USSD service: menus, gateway webhooks, sessions, the Flex hand-off and privacy.

See docs/architecture.md for the packages, what each may import, and the path of a hop.
"""
