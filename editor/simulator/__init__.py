"""The phone simulator: dial a menu's draft or live version through the real hop path, from
the menu page."""
