/** What time it is: injected, so that tests of deadlines and windows set the time instead of waiting. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
