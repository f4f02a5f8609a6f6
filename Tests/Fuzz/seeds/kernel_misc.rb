# Kernel functions: output, conversions, loop/catch, raise variants.
puts "a", ["b", ["c"]], nil, 1
print "x", "y", "\n"
p
p 1, "two"
pp({ k: [1, 2] })
warn "a warning"
say = "local shadows nothing"
v = p(:returned)
p v, say
p Integer(3.99), Integer("0x10"), Float("1e2"), String(nil), String(:s), String([1]), Array("a"), Array([1]), Array(nil), Hash([])
n = 0
loop do
  n += 1
  break if n > 3
end
res = loop { break :broken }
caught = catch(:tag) { :inner }
p n, res, caught, block_given?, frozen?, freeze
errors = []
[-> { raise "runtime" }, -> { fail "failed" }, -> { raise ArgumentError }, -> { raise KeyError, "key" },
 -> { raise }, -> { Integer("x") }, -> { Float("y") }, -> { nil.upcase }, -> { undefined_thing },
 -> { [1].fetch(5) }, -> { {}.fetch(:k) }, -> { 1 + "s" }, -> { "s" + 1 }, -> { :sym.unknown },
 -> { Struct.new(:a) }, -> { [3, "a"].sort }, -> { loop }, -> { 5.upto("x") }].each do |f|
  begin
    f.call
  rescue NoMethodError => e
    errors << "NoMethod: #{e}"
  rescue TypeError, ArgumentError => e
    errors << "Type/Arg: #{e}"
  rescue StandardError => e
    errors << "Std: #{e}"
  end
end
puts errors
Vagrant.configure("2") { |config| config.vm.box = "kernel/#{errors.size}" }
