# Enumerable methods on arrays, with and without blocks.
nums = [5, 3, 8, 1, 9, 2]
puts nums.map { |n| n * 2 }.inspect, nums.collect(&:to_s).inspect
puts nums.select(&:even?).inspect, nums.filter { |n| n > 4 }.inspect
puts nums.reject(&:odd?).inspect, nums.find_all { |n| n < 3 }.inspect
puts nums.find { |n| n > 5 }, nums.detect { |n| n > 100 }.inspect
puts nums.find_index { |n| n == 8 }, nums.index(1)
puts nums.inject(:"+"), nums.reduce(1) { |acc, n| acc * n }, nums.inject { |a, b| a > b ? a : b }
puts nums.sum, nums.sum(10), nums.sum { |n| n * n }, [0.5, 1].sum
puts nums.count, nums.count(3), nums.count(&:even?)
puts nums.any? { |n| n > 8 }, nums.all?(&:positive?), nums.none? { |n| n.zero? }
puts nums.min, nums.max, nums.min_by { |n| -n }, nums.max_by { |n| n % 5 }
puts nums.sort.inspect, nums.sort { |a, b| b <=> a }.inspect, nums.sort_by { |n| [n % 3, n] }.inspect
puts nums.partition(&:even?).inspect, nums.group_by { |n| n % 3 }.inspect
puts nums.each_slice(4).to_a.inspect, nums.each_cons(5).to_a.inspect
puts nums.take_while { |n| n > 2 }.inspect
puts [[1, 2], [3]].flat_map { |x| x }.inspect, ([1, 1, 2, 3, 3].uniq rescue "uniq").inspect
nums.each_with_index { |n, i| print i, ":", n, " " }
nums.each.with_index(1) { |n, i| print n + i }
pairs = nums.each_with_index.map { |n, i| [i, n] }
memo = nums.each_with_object({}) { |n, h| h[n] = n.to_s * 2 }
total = 0
nums.each { |n| total += n }
nums.each_entry { |n, i| total += i }
p pairs.to_h, memo, total, nums.each_index.to_a
Vagrant.configure("2") { |config| config.vm.box = "seed/enum" }
