# Blocks, procs and lambdas: creation, calling styles, closures, block passing.
square = lambda { |x| x * x }
add = ->(a, b = 10) { a + b }
noargs = -> { :called }
shout = proc { |s| s.to_s.upcase }
counter = 0
bump = proc { |_i| counter += 1 }
p square.call(4), square.(5), square[6], add.call(1), add.(1, 2), noargs.call, shout.call(:hi)
3.times(&bump)
p counter, square.arity, add.arity, shout.arity, square.lambda?, shout.lambda?, square.class
p [1, 2, 3].map(&square), %w[a b].map(&shout), [1, 2].map(&:to_s), [[1, 2]].map { |(a, b)| a + b }
p %i[x y].map(&:to_proc).size, :upcase.to_proc.call("abc") rescue p "sym proc call"
compose = ->(f, g) { ->(x) { f.call(g.call(x)) } }
inc = ->(x) { x + 1 }
p compose.call(square, inc).call(3), compose.(inc, square).(3)
make_counter = lambda do
  count = 0
  -> { count += 1 }
end
c1 = make_counter.call
c2 = make_counter.call
c1.call
c1.call
p c1.call, c2.call
early = lambda { |x| return :neg if x < 0; :pos }
p early.call(-1), early.call(1)
def apply(value, &block)
  block ? block.call(value) : value
end
p apply(3) { |v| v * 100 }, apply(3), apply(2, &square), apply(:s, &:to_s)
handlers = { double: ->(v) { v * 2 }, neg: proc { |v| -v }, str: lambda { |v| v.to_s } }
p handlers.map { |name, fn| [name, fn.call(21)] }.to_h
matcher = ->(n) { n > 3 }
p [1, 5].map { |n| case n when matcher then "big" else "small" end }
p [1, 2, 3].each_slice(2).map { |pair| pair.sum }, [4, 5].each_with_index.to_a
Vagrant.configure("2") do |config|
  setup = ->(vm, name) { vm.hostname = name }
  setup.call(config.vm, "procs")
end
