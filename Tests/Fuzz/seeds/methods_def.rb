# def with every parameter kind, recursion, multiple return values.
def greet(name, greeting = "hello", *rest, punct: "!", upper: false, **opts, &blk)
  text = "#{greeting} #{name}#{punct}"
  text = text.upcase if upper
  text += " rest=#{rest.inspect}" unless rest.empty?
  text += " opts=#{opts.inspect}" unless opts.empty?
  text = blk.call(text) if blk
  text
end
def fact(n)
  return 1 if n <= 1
  n * fact(n - 1)
end
def pair
  return [1, [2, 3]]
end
def self.helper(x)
  x.to_s * 2
end
def required_kw(a:, b: a + 1)
  [a, b]
end
def no_parens a, b
  a + b
end
def predicate?(v)
  !v.nil?
end
def bang!(list)
  list << :changed
end
def tail(first, *middle, last)
  [first, middle, last]
end
def each_twice(items, &block)
  items.each { |i| 2.times { block.call(i) } }
end
p greet("x"), greet("y", "hi", 1, 2, punct: "?", upper: true, color: :red) { |t| "<#{t}>" }
p fact(10), pair, helper(7), required_kw(a: 1), required_kw(b: 0, a: 5), no_parens(2, 3)
p predicate?(nil), bang!([]), tail(1, 2, 3, 4), tail(1, 2)
a, b = pair
c, *d = [1, 2, 3]
e, *f = [4, 5, 6]
g, h = 7
m, n = g, 1
opts = { punct: ".", upper: false }
list = ["z", "w"]
p a, b, c, d, e, f, g, h, m, n, greet(*list), greet("q", **opts), greet(*list, **opts)
seen = []
each_twice([1, 2]) { |v| seen << v }
begin
  required_kw
rescue ArgumentError => err
  seen << err
end
begin
  fact
rescue => err
  seen << err
end
p seen
Vagrant.configure("2") do |config|
  config.vm.hostname = greet("host", "vm", punct: "").tr(" ", "-")
end
