import { describe, expect, it } from 'vitest';
import { formatEatTimestamp, parseEatTimestamp } from './eat-time.js';
import { stkPassword } from './password.js';

describe('STK password and Daraja timestamps', () => {
  it('builds the password of Safaricom\'s own sample request', () => {
    expect(stkPassword('174379', 'bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919', '20210628092408')).toBe(
      'MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkzMDU5YjEwZjc4ZTZiNzJhZGExZWQyYzkxOTIwMjEwNjI4MDkyNDA4',
    );
  });

  it('writes timestamps in East Africa Time, three hours ahead of UTC', () => {
    expect(formatEatTimestamp(Date.UTC(2026, 10, 23, 11, 30, 5))).toBe('20261123143005');
  });

  it('rolls the date over when UTC evening is already tomorrow in Nairobi', () => {
    expect(formatEatTimestamp(Date.UTC(2026, 11, 31, 22, 0, 0))).toBe('20270101010000');
  });

  it('reads a Daraja time back as the same instant', () => {
    const instant = Date.UTC(2023, 10, 21, 9, 13, 25);
    expect(parseEatTimestamp('20231121121325')).toBe(instant);
    expect(parseEatTimestamp(20231121121325)).toBe(instant);
  });

  it('refuses times that are not real dates', () => {
    for (const bad of ['20230231120000', '2023112112132', '2023-11-21 12:13', '20231121246000', '']) expect(parseEatTimestamp(bad), bad).toBeUndefined();
  });
});
