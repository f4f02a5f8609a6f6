# Closures that reach back to the structures holding them.
registry = {}
registry[:get] = -> { registry }
registry[:size] = -> { registry.size }
registry[:all] = [registry[:get], registry]
fns = []
fns << -> { fns.size }
fns << fns
fns << proc { |_x| fns }
fact = ->(n) { n <= 1 ? 1 : n * fact.(n - 1) }
fib = lambda { |n| n < 2 ? n : fib[n - 1] + fib[n - 2] }
memo = Hash.new
memo_fib = ->(n) { memo[n] ||= n < 2 ? n : memo_fib.(n - 1) + memo_fib.(n - 2) }
counter = 0
incr = -> { counter += 1; incr }
incr.call.call.call
p registry[:get].call.equal?(registry), registry[:size].(), registry.inspect.size, fns.inspect
p fns[0].call, fns[2].call(0).equal?(fns), fact.(20), fib.(15), memo_fib.(80), memo.size, counter
p registry == registry[:get].call, [fns].flatten(2).size, fns.include?(fns), registry.keys
begin
  JSON.generate(registry)
rescue => e
  puts "json: #{e}"
end
begin
  deep = ->(n) { deep.(n + 1) }
  deep.(0)
rescue => e
  puts "never: the call-depth limit is not a Ruby exception"
end
