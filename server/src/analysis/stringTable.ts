// A table of strings numbered in first-seen order: the compact plain data of the kernel index
// (IndexedFile, its ops-call rows, its DMA-buffer flows) stores numbers into one such table.

export interface StringTable {
  /** The strings, each at its number. */
  readonly strings: string[];
  /** The number of `text`, added at the end when it is new. */
  intern(text: string): number;
}

export function stringTable(): StringTable {
  const strings: string[] = [];
  const numbers = new Map<string, number>();
  return {
    strings,
    intern(text: string): number {
      let index = numbers.get(text);
      if (index === undefined) {
        index = strings.length;
        strings.push(text);
        numbers.set(text, index);
      }
      return index;
    },
  };
}
