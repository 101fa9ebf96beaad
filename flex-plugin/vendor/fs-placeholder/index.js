'use strict';

// `fs` is a Node built-in. @k88/typescript-compile-error-formatter (pulled in by
// @twilio/flex-plugin-webpack) lists the registry placeholder `fs@0.0.1-security`
// as a dependency; the package.json `overrides` point it here instead.
module.exports = require('node:fs');
