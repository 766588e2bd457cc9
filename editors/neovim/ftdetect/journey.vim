" Journey: *.journey files are filetype `journey`.
autocmd BufRead,BufNewFile *.journey setfiletype journey
