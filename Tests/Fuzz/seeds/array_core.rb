# Array basics: building, reading, changing in place.
list = [3, 1, 2]
list << 4
list.push(5, 6)
list.append(7)
list.unshift(0)
list.prepend(-1)
list.insert(2, 9, 9)
popped = list.pop
shifted = list.shift
list.delete(9)
list.delete_at(0)
list[10] = :far
list[-1] = :last
sparse = list.compact
p list, popped, shifted, sparse
puts list.first, list.first(2), list.last, list.last(3).inspect
puts list.length, list.size, list.empty?, [].empty?, [nil, false].any?
puts list.include?(4), list.member?(42), list.index(4).inspect
puts list.fetch(1), list.fetch(99, "none"), list.dig(0)
puts list[1..3].inspect, list[1...3].inspect, list[1, 2].inspect, list[-2..].inspect
puts list.slice(0, 2).inspect, list.take(2).inspect, list.drop(5).inspect
puts list.reverse.inspect, list.rotate.inspect, [[1, [2]], [3]].dig(0, 1, 0)
puts [1, 2].zip([3, 4], [5]).inspect, Array.new(3, "x").inspect, Array.new(2).inspect
puts Array(nil).inspect, Array([1]).inspect, Array(1..3).inspect, Array({a: 1}).inspect
words = %w[alpha beta gamma]
syms = %i[one two]
puts words.join("-"), syms.inspect, words.to_a.equal?(words)
puts words.concat(["delta"], ["eps"]).size
words.clear
puts words.inspect, list.to_a.size, list.entries.size
Vagrant.configure("2") do |config|
  config.vm.box = "seed/array-#{list.size}"
end
