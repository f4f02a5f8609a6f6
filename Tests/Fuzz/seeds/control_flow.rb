# Conditionals, loops, exceptions and boolean operators.
=begin
Block comment at column one.
=end
level = 3
if level > 5 then puts "high" elsif level > 2 then puts "mid" else puts "low" end
puts "unless" unless level.zero?
puts(level == 3 ? "three" : "other")
puts "and" if level > 1 and not level > 9 or false
state = case
        when level < 0 then :neg
        when level.between?(1, 4) then :small
        else :big
        end
kind = case level when Integer, Float then "num" when String then "str" end
i = 0
i += 1 while i < 5
j = 10
j -= 3 until j < 0
k = 0
begin
  k += 2
end while k < 7
found = loop do
  k += 1
  next if k.odd?
  break k * 10 if k > 10
end
out = [1, 2, 3, 4].map { |x| next 0 if x == 2; x }
first_big = [1, 5, 9].each { |x| break x if x > 4 }
while true
  break
end
until false do break end
result = begin
  raise "plain"
rescue ArgumentError
  :wrong
rescue RuntimeError, StandardError => e
  "caught #{e}"
else
  :no_error
ensure
  puts "ensure ran"
end
value = (Integer("zz") rescue -1)
def risky(n)
  raise ArgumentError, "neg" if n < 0
  n
rescue => e
  "rescued #{e}"
ensure
  nil
end
x = nil
y = x || "default"
z = x&.length
x ||= "set"
x &&= x.upcase
p state, kind, i, j, k, found, out, first_big, result, value, risky(-1), risky(2), y, z, x
p defined?(x), defined?(nope), defined?(puts), defined?(String), defined?($nothing), !!x, (not true)
p 1 && nil, nil || false, true & false, true ^ true, false | true
catch(:done) { puts "in catch" }
Vagrant.configure("2") { |config| config.vm.box = (level > 2 ? "big" : "small") + "/box" }
