// An ES module only package: `require()`-ing it through the "exports" map is impossible.
export function greet(name) {
  return `hello, ${name}`;
}
export const answer = 42;
export default class Greeter {
  constructor(greeting) {
    this.greeting = greeting;
  }
  greet(name) {
    return `${this.greeting}, ${name}`;
  }
}
