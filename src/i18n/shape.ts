/** A catalogue in another language: the English one's shape, any key may be missing (English is used). */
export type Catalogue<T> = { [K in keyof T]?: T[K] extends string ? string : Catalogue<T[K]> };
