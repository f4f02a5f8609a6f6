import Foundation

/// The reference values behind `Value.array`, `.hash` and `.regex`: shared by every holder, as in Ruby.
final class ArrayBox {
    var items: [Value]
    init(_ items: [Value]) { self.items = items }
}

/// A Ruby hash: insertion-ordered, keyed by value equality. Deleted keys leave a hole in the
/// order (compacted once holes are half of it), so deleting is O(1) amortized: shifting every
/// later entry made deleting 20,000 keys take more than a minute.
final class HashBox {
    private var slots: [(key: Value, value: Value)?] = []
    private var index: [HashKey: Int] = [:]
    private var holes = 0
    var defaultValue: Value = .null
    /// `Hash.new { |hash, key| hash[key] = [] }`: called with the hash and a missing key.
    var defaultBlock: Closure?

    init(_ pairs: [(Value, Value)] = []) {
        for (key, value) in pairs { self[key] = value }
    }

    /// The entries in insertion order.
    var pairs: [(key: Value, value: Value)] { slots.compactMap { $0 } }
    var count: Int { slots.count - holes }

    subscript(key: Value) -> Value? {
        get { index[HashKey(key)].flatMap { slots[$0]?.value } }
        set {
            let hashKey = HashKey(key)
            if let newValue {
                if let position = index[hashKey] {
                    slots[position]?.value = newValue
                } else {
                    index[hashKey] = slots.count
                    slots.append((key, newValue))
                }
            } else if let position = index.removeValue(forKey: hashKey) {
                slots[position] = nil
                holes += 1
                if holes > 32 && holes * 2 > slots.count { compact() }
            }
        }
    }

    private func compact() {
        slots = slots.filter { $0 != nil }
        holes = 0
        index.removeAll(keepingCapacity: true)
        for (position, slot) in slots.enumerated() {
            if let slot { index[HashKey(slot.key)] = position }
        }
    }

    func removeAll() {
        slots.removeAll()
        index.removeAll()
        holes = 0
    }

    func copy() -> HashBox {
        let box = HashBox()
        for pair in pairs { box[pair.key] = pair.value }
        box.defaultValue = defaultValue
        box.defaultBlock = defaultBlock
        return box
    }
}
