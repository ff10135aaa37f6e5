/**
 * What every business process's view has in common, whatever the process: its timeline of steps
 * in words, and the state of each event and email it owes the world.
 */

/** Where one event or email stands: delayed once it has failed for SIDE_EFFECT_ALERT_AFTER. */
export type DeliveryState = 'pending' | 'delivered' | 'delayed' | 'failed';

/** One step of a process or one person's action, in words: what the timelines show. */
export interface TimelineEvent {
  at: string;
  kind: string;
  /** Who acted (`role:id`, a manager's id, `system`); absent for the process's own steps. */
  actor?: string;
  /** Who acted, in words, as the reader sees it (added when the timeline is read, not recorded). */
  actorName?: string;
  detail: string;
}
