"""Canned replies: texts coordinators write once per language, offered to agents (Flex) and
to coordinators replying from Submissions in the caller's language; and the state of the
optional SMS notice, with why it is off."""
