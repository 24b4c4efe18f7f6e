import { DateTime } from 'luxon';

/** Minutes after local midnight; an end before the start means the window crosses midnight. */
export interface TimeWindow {
  startMinute: number;
  endMinute: number;
}

function minuteOfDay(now: number, zone: string): { minute: number; second: number } {
  const local = DateTime.fromMillis(now, { zone });
  return { minute: local.hour * 60 + local.minute, second: local.second };
}

export function isInsideWindow(now: number, window: TimeWindow, zone: string): boolean {
  const { minute } = minuteOfDay(now, zone);
  const { startMinute: start, endMinute: end } = window;
  if (start === end) return true; // a full day
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** Seconds from `now` until the window closes; assumes `now` is inside it. */
export function secondsUntilWindowEnds(now: number, window: TimeWindow, zone: string): number {
  const local = DateTime.fromMillis(now, { zone });
  let end = local.startOf('day').plus({ minutes: window.endMinute });
  if (end <= local) end = end.plus({ days: 1 });
  return Math.max(1, Math.round((end.toMillis() - now) / 1000));
}

/** "22:00" -> 1320. */
export function parseClock(text: string): number | undefined {
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

export function formatClock(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}
