// linebreak ships no types; this is the part of its API pdf-text.ts uses.
declare module 'linebreak' {
  export default class LineBreaker {
    constructor(text: string);
    /** The next place a line may (or, when `required`, must) end; null after the last. */
    nextBreak(): { position: number; required: boolean } | null;
  }
}
