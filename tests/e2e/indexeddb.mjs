// The wallet's IndexedDB records as the page stores them, read and rewritten from inside the
// page: for tests that check what is kept at rest, and that damage a stored record on purpose.

/** Reads or rewrites one record of the wallet's IndexedDB store, in the page. */
export const storedRecord = (page, key, replacement) =>
  page.evaluate(
    ([key, replacement]) =>
      new Promise((resolve, reject) => {
        const request = indexedDB.open("assent");
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const transaction = request.result.transaction("records", "readwrite");
          const store = transaction.objectStore("records");
          if (replacement) store.put(new Uint8Array(replacement), key);
          const read = store.get(key);
          transaction.oncomplete = () => {
            request.result.close();
            resolve(read.result ? Array.from(read.result) : null);
          };
          transaction.onerror = () => reject(transaction.error);
        };
      }),
    [key, replacement],
  );

/** Keys of the archived records (`archive/…`), read in the page. */
export const archivedKeys = (page) =>
  page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const request = indexedDB.open("assent");
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const keys = request.result.transaction("records").objectStore("records").getAllKeys();
          keys.onsuccess = () => {
            request.result.close();
            resolve(keys.result.filter((key) => key.startsWith("archive/")));
          };
        };
      }),
  );
