"use strict";
exports.add = function add(a, b) {
  return a + b;
};
exports.version = "1.2.3";
