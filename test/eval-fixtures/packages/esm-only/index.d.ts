/** Greets someone by name. */
export declare function greet(name: string): string;
export declare const answer: number;
export default class Greeter {
  constructor(greeting: string);
  greeting: string;
  greet(name: string): string;
}
