/**
 * Preloaded into a process under benchmark (`node --expose-gc --require dist/bench/memory-probe.js`):
 * writes the process's memory, as Node sees it, to MEMORY_PROBE_FILE every half second. Resident
 * memory alone cannot say whether growth is JavaScript (the worker's workflows and activities) or
 * native memory (the SDK's core, the allocator); this splits it.
 *
 * The SDK runs workflow code in a worker thread: a V8 isolate of its own, with its own heap, which
 * `process.memoryUsage()` on the main thread does not see. The probe reaches it through the
 * inspector (`NodeWorker` domain) and reports its heap as well.
 *
 * Garbage not yet collected counts in the heaps and the resident size until V8 gets round to it,
 * so a reading taken at a random moment says little about what the process keeps. When the file
 * `<MEMORY_PROBE_FILE>.gc` appears, the probe runs a full collection in every isolate first and
 * counts it in `collections`. Never loaded in production.
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import { isMainThread } from 'node:worker_threads';

interface WorkerMessage {
  params: { sessionId: string; message: string };
}

// `--require` also runs in every worker thread the process starts; the main thread speaks for all.
const file = isMainThread ? process.env.MEMORY_PROBE_FILE : undefined;
if (file) {
  const trigger = `${file}.gc`;
  const collect = (globalThis as { gc?: () => void }).gc;
  const session = new inspector.Session();
  session.connect();
  const threads = new Set<string>();
  const pending = new Map<number, (result: unknown) => void>();
  let nextId = 1;
  session.on('NodeWorker.attachedToWorker', (m: { params: { sessionId: string } }) => {
    threads.add(m.params.sessionId);
  });
  session.on('NodeWorker.detachedFromWorker', (m: { params: { sessionId: string } }) => {
    threads.delete(m.params.sessionId);
  });
  session.on('NodeWorker.receivedMessageFromWorker', (m: WorkerMessage) => {
    const reply = JSON.parse(m.params.message) as { id?: number; result?: unknown };
    if (reply.id !== undefined) {
      pending.get(reply.id)?.(reply.result);
      pending.delete(reply.id);
    }
  });
  session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
  const inThread = (sessionId: string, method: string): Promise<unknown> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      session.post('NodeWorker.sendMessageToWorker', {
        sessionId,
        message: JSON.stringify({ id, method, params: {} }),
      });
      setTimeout(() => {
        if (pending.delete(id)) resolve(undefined);
      }, 10_000).unref();
    });

  let collections = 0;
  let busy = false;
  const write = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      if (collect && fs.existsSync(trigger)) {
        fs.unlinkSync(trigger);
        collect();
        for (const id of threads) {
          await inThread(id, 'HeapProfiler.enable');
          await inThread(id, 'HeapProfiler.collectGarbage');
        }
        collections += 1;
      }
      const threadHeaps: { usedSize: number; totalSize: number }[] = [];
      for (const id of threads) {
        const usage = (await inThread(id, 'Runtime.getHeapUsage')) as
          { usedSize: number; totalSize: number } | undefined;
        if (usage) threadHeaps.push({ usedSize: usage.usedSize, totalSize: usage.totalSize });
      }
      const tmp = `${file}.tmp`;
      fs.writeFileSync(
        tmp,
        JSON.stringify({ at: Date.now(), collections, threadHeaps, ...process.memoryUsage() }),
      );
      fs.renameSync(tmp, file);
    } catch (err) {
      // A probe must never take the process down with it: a missed reading is only a missed reading.
      console.error(`[memory-probe] ${(err as Error).message}`);
    } finally {
      busy = false;
    }
  };
  setInterval(() => void write(), 500).unref();
}
