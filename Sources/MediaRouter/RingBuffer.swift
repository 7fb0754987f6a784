/// A fixed-capacity FIFO.
struct RingBuffer<Element> {
    private var storage: [Element?]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) { storage = Array(repeating: nil, count: max(1, capacity)) }

    var capacity: Int { storage.count }
    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count == storage.count }

    mutating func append(_ e: Element) {
        precondition(!isFull)
        storage[(head + count) % storage.count] = e
        count += 1
    }

    mutating func removeFirst() -> Element? {
        guard count > 0 else { return nil }
        let e = storage[head]
        storage[head] = nil
        head = (head + 1) % storage.count
        count -= 1
        return e
    }

    mutating func removeAll() {
        while removeFirst() != nil {}
    }

    var first: Element? { count > 0 ? storage[head] : nil }
}
