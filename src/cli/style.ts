// Colours, only when the stream is a terminal and the user has not said NO_COLOR or --no-color. A style's codes take
// effect once its text goes through print() (terminal.ts), which strips every other escape code.
import { sgr } from './terminal.js';

export interface Style {
  enabled: boolean;
  red: (text: string) => string;
  green: (text: string) => string;
  yellow: (text: string) => string;
  dim: (text: string) => string;
  bold: (text: string) => string;
}

const wrap = (enabled: boolean, open: number, close: number) => (text: string) =>
  enabled ? `${sgr(open)}${text}${sgr(close)}` : text;

/** A style for `stream`: colour when it is a TTY, unless `--no-color`, NO_COLOR or TERM=dumb say otherwise. */
export function styleFor(stream: { isTTY?: boolean }, color: boolean | undefined): Style {
  const env = process.env;
  let enabled = stream.isTTY === true && env.TERM !== 'dumb';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') enabled = false;
  if (color === false) enabled = false;
  return {
    enabled,
    red: wrap(enabled, 31, 39),
    green: wrap(enabled, 32, 39),
    yellow: wrap(enabled, 33, 39),
    dim: wrap(enabled, 2, 22),
    bold: wrap(enabled, 1, 22),
  };
}
