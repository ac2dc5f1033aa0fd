import Bowser from 'bowser';

/** A session's device, as a person would name it. */
export interface DeviceDescription {
  /** "Firefox 131.0", or null when the User-Agent does not say. */
  readonly browser: string | null;
  /** "Windows 10", "iOS 17.0", or null. */
  readonly os: string | null;
  readonly type: 'desktop' | 'mobile' | 'tablet' | 'tv' | 'bot' | 'unknown';
  /** "Firefox 131.0 on Windows 10", or "Unknown device". */
  readonly label: string;
}

const TYPES = new Set(['desktop', 'mobile', 'tablet', 'tv', 'bot']);

/**
 * Reads a User-Agent with `bowser` (a maintained parser; User-Agents are
 * attacker-controlled and endlessly varied, which rules out hand-written
 * patterns). The result is plain text, to be rendered as text.
 */
export function describeDevice(userAgent: string | null): DeviceDescription {
  if (!userAgent) return { browser: null, os: null, type: 'unknown', label: 'Unknown device' };
  const parsed = Bowser.parse(userAgent);
  const join = (...parts: Array<string | undefined>) => parts.filter(Boolean).join(' ') || null;
  const browser = join(parsed.browser.name, parsed.browser.version);
  const os = join(parsed.os.name, parsed.os.versionName ?? parsed.os.version);
  const type = (TYPES.has(parsed.platform.type ?? '') ? parsed.platform.type : 'unknown') as DeviceDescription['type'];
  const label = browser && os ? `${browser} on ${os}` : browser ?? os ?? 'Unknown device';
  return { browser, os, type, label };
}
