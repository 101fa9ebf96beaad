"""Agents' and coordinators' replies that a caller reads on their next dial (DESIGN §5b):
the Flex API (api.py), the token check (flex_tokens.py) and the rules (service.py)."""
