# Lexer corners: semicolons, continuations, comments, odd spacing, %-literals and __END__.
x = 1; y = 2; z = x +
  y
w = [
  1,
  2,
]
v = { a: 1,
      b: 2, }
u = x \
  + 3
t = w
  .map { |i| i * 2 }
  .select { |i| i > 2 }
s = %w(one two three)
r = %i{sym bols}
q = %q<angle brackets (nested) ok>
pct = %(#{x} parens)
regex = %r[a/b]i
call_no_parens = [3, 1, 2].sort.reverse.first 2
spaced = [1,2,3] .map do |i| i end
p x, y, z, w, v, u, t, s, r, q, pct, regex, call_no_parens, spaced
p(x,
  y)
puts [x, y].inspect ; puts(z)
p -1.abs, - 1, x -1, x - 1, x-1, [x -1], x / 2, x/2
label = { "quoted key": 1, plain: 2, "arrow" => 3, :sym => 4, 5 => :five }
p label, label[:"quoted key"], :"odd sym!", :a?, :b!
p __LINE__
BEGIN_VALUE = 1
=begin
anything here is a comment
Vagrant.configure("3")
=end
Vagrant.configure("2") do |config| config.vm.box = "odds" end
__END__
This text is after __END__ and is never read: Vagrant.configure("1") { syntax error here
