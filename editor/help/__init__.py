"""Help: the project's own documents a coordinator needs while editing (the menu format),
shown in the editor so nobody needs the source tree or the forge."""
