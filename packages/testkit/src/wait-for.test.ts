import { waitFor } from './wait-for';

describe('waitFor', () => {
  it('returns the first truthy value', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? `done after ${calls}` : undefined), {
      intervalMs: 0,
    });
    expect(value).toBe('done after 3');
  });

  it('keeps polling while the function throws', async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        calls += 1;
        if (calls < 2) throw new Error('not yet');
        return calls;
      },
      { intervalMs: 0 },
    );
    expect(value).toBe(2);
  });

  it('fails with the awaited condition and the last error in the message', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('broker down');
        },
        { timeoutMs: 30, intervalMs: 5, message: 'the broker' },
      ),
    ).rejects.toThrow(/waiting for the broker: last error: broker down/);
  });
});
