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
 * All matches of a keyword regex in one text, found in one pass on first use,
 * so that each candidate's context look-up is a binary search instead of a
 * regex run over its window.
 * @internal
 */
export class KeywordIndex {
  private starts: number[] | undefined;
  private ends: number[] = [];

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

  /** The offset of the last keyword that ends at or before `pos` and starts within `window` before it, or -1. */
  before(pos: number, window = CONTEXT_WINDOW): number {
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
