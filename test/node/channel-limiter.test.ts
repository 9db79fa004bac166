import { ChannelLimiter, ChannelLimitWaitAborted } from '../../src/node/channel-limiter';

describe('ChannelLimiter', () => {
  test('grants up to the limit, queues the rest in order, and tracks the peak', async () => {
    const limiter = new ChannelLimiter(2);
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    const order: number[] = [];
    const third = limiter.acquire().then((release) => (order.push(3), release));
    const fourth = limiter.acquire().then((release) => (order.push(4), release));
    await Promise.resolve();
    expect(limiter.waiting).toBe(2);
    first();
    first(); // releasing twice frees one slot only
    (await third)();
    second();
    (await fourth)();
    expect(order).toEqual([3, 4]);
    expect(limiter.inUse).toBe(0);
    expect(limiter.peakInUse).toBe(2);
  });

  test('a refused request can go back to the front of the queue', async () => {
    const limiter = new ChannelLimiter(1);
    const held = await limiter.acquire();
    const order: string[] = [];
    const back = limiter.acquire().then((release) => (order.push('back'), release));
    const front = limiter.acquire({ front: true }).then((release) => (order.push('front'), release));
    held();
    (await front)();
    (await back)();
    expect(order).toEqual(['front', 'back']);
  });

  test('an aborted wait leaves the queue without taking a slot', async () => {
    const limiter = new ChannelLimiter(1);
    const held = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire({ signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(ChannelLimitWaitAborted);
    expect(limiter.waiting).toBe(0);
    held();
    expect(limiter.inUse).toBe(0);
  });

  test('lowers to the number of channels the server had accepted, never below 1, never up', () => {
    const limiter = new ChannelLimiter(10);
    expect(limiter.lowerAfterRefusal(0)).toBeUndefined();
    expect(limiter.lowerAfterRefusal(7)).toBe(7);
    expect(limiter.lowerAfterRefusal(9)).toBe(7);
    expect(limiter.limit).toBe(7);
  });
});
