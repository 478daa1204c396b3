/**
 * Context words: whether a keyword ends within a fixed window before a
 * candidate. Keywords are indexed once per text, so each look-up is a binary
 * search and dense input stays linear.
 *
 * @module guards/detectors/context
 */

/** How many code units before a candidate are searched for context words. @internal */
export const CONTEXT_WINDOW = 48;

/**
 * A window scan reads about CONTEXT_WINDOW code units, indexing reads the
 * whole text once: switch to the index when the windows would have read
 * about as much as the text (never later than that, so the total stays <= ~2n).
 */
const WINDOW_COST = 64;

/**
 * Keyword look-ups for one text. Look-ups scan only their own window while
 * that is cheaper than reading the whole text (few candidates); past that,
 * every match in the text is indexed in one pass and each look-up is a binary
 * search, so dense input stays linear.
 * @internal
 */
export class KeywordIndex {
  private starts: number[] | undefined;
  private ends: number[] = [];
  private queries = 0;
  /** The last window scan's query and answer: detectors often ask twice for the same candidate. */
  private lastPos = -1;
  private lastWindow = -1;
  private lastFound = -1;

  constructor(
    private readonly text: string,
    private readonly re: RegExp,
  ) {}

  private build(): number[] {
    const starts: number[] = [];
    this.re.lastIndex = 0;
    for (let m = this.re.exec(this.text); m !== null; m = this.re.exec(this.text)) {
      starts.push(m.index);
      this.ends.push(m.index + m[0].length);
      if (m[0].length === 0) this.re.lastIndex += 1;
    }
    this.starts = starts;
    return starts;
  }

  /** Scans only [pos - window - 1, pos): the extra code unit lets `\b` see the character before the window. */
  private scanWindow(pos: number, window: number): number {
    const from = Math.max(0, pos - window - 1);
    const slice = this.text.slice(from, pos);
    let found = -1;
    this.re.lastIndex = 0;
    for (let m = this.re.exec(slice); m !== null; m = this.re.exec(slice)) {
      if (from + m.index >= pos - window) found = from + m.index;
      if (m[0].length === 0) this.re.lastIndex += 1;
    }
    return found;
  }

  /** The offset of the last keyword that ends at or before `pos` and starts within `window` before it, or -1. */
  before(pos: number, window = CONTEXT_WINDOW): number {
    if (this.starts === undefined && this.queries * WINDOW_COST < Math.max(2048, this.text.length)) {
      // A repeated question still counts as a query, so the switch to the index happens when it always did.
      this.queries += 1;
      if (pos === this.lastPos && window === this.lastWindow) return this.lastFound;
      this.lastPos = pos;
      this.lastWindow = window;
      this.lastFound = this.scanWindow(pos, window);
      return this.lastFound;
    }
    const starts = this.starts ?? this.build();
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ends[mid] ?? 0) <= pos) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found === -1) return -1;
    const s = starts[found] ?? -1;
    return s >= pos - window ? s : -1;
  }
}
