/**
 * A registration's steps in words, oldest first: what its process recorded as it went (signed up,
 * each link sent and opened, confirmed or lapsed). A lapsed registration keeps none: its tombstone
 * answers no timeline.
 */
import type { RegistrationView } from '../../domain/registration';
import type { TimelineEventAnswer } from '../contract';

export function registrationTimelineOf(view: RegistrationView): TimelineEventAnswer[] | undefined {
  if (!view.timeline) return undefined;
  return view.timeline.map((e) => ({ ...e })).sort((a, b) => a.at.localeCompare(b.at));
}
