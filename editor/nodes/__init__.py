"""Node editing: a node's form and its mapping to and from the document, and the routes that
add, edit, delete and move nodes (the document edits themselves are ussd.menu.editing's)."""
