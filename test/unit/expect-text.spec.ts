import { expectText, expectTextContaining } from '../support/eventually';

/** An element whose text is `texts[i]` at its i-th read, then the last one: a page still rendering it. */
function rendering(...texts: string[]) {
  let reads = 0;
  return {
    get reads() {
      return reads;
    },
    innerText: () => Promise.resolve(texts[Math.min(reads++, texts.length - 1)]),
  };
}

describe('the browser tests’ text checks wait for the page to render', () => {
  it('read again until the text is the one expected, where one read would have seen the text before it', async () => {
    const element = rendering('Loading…', 'Loading…', '2 open notices');
    await expect(expectText(element, '2 open notices')).resolves.toBe('2 open notices');
    expect(element.reads).toBe(3);
    await expect(expectText(rendering('…', 'will miss in 5 min'), /^will miss in \d+ min$/)).resolves.toBe(
      'will miss in 5 min',
    );
    await expect(expectTextContaining(rendering('', 'Appeal: under review'), 'under review')).resolves.toBe(
      'Appeal: under review',
    );
  });

  it('fail with what they expected and the text last seen when it never comes', async () => {
    await expect(expectText(rendering('Loading…', 'ignored: 2'), 'ignored: 1', 100)).rejects.toThrow(
      /expected the text "ignored: 1": condition not met within 100 ms; last value: "ignored: 2"/,
    );
    await expect(expectTextContaining(rendering('Bezwaar'), 'herroepen', 100)).rejects.toThrow(
      /expected the text containing "herroepen": .* last value: "Bezwaar"/,
    );
  });

  it('take the whole text for a string, not a part of it', async () => {
    await expect(expectText(rendering('ignored: 10'), 'ignored: 1', 100)).rejects.toThrow(
      /last value: "ignored: 10"/,
    );
  });
});
