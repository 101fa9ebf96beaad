import '@testing-library/jest-dom';

// jsdom has no matchMedia; Paste's animation helpers ask for prefers-reduced-motion.
if (typeof window !== 'undefined' && !window.matchMedia) {
  window.matchMedia = (query) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  });
}

// jsdom 16's selector engine (nwsapi) matches `:focus-within` rules by calling
// element.contains() with jsdom's internal document object instead of a Node, which
// throws; Paste's TextArea measures itself with getComputedStyle and trips on it. In
// tests only, read what is not a Node as "not contained" (as contains(null) is).
if (typeof Node !== 'undefined') {
  const contains = Node.prototype.contains;
  Node.prototype.contains = function containsOrFalse(other) {
    return other instanceof Node ? contains.call(this, other) : false;
  };
}
