/** The engine baseline's activity: returns at once. */
export interface NoopActivities {
  noop(step: number): Promise<number>;
}

export const noopActivities: NoopActivities = {
  noop: (step) => Promise.resolve(step),
};
