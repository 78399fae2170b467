# only comments

   # indented comment
#
