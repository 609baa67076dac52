# R's ncdf4 reads a migflow output file with its labelled dimensions.
# Usage: Rscript read_with_ncdf4.R MIGFLOW_BINARY SCENARIO WORK_DIR
suppressPackageStartupMessages(library(ncdf4))
args <- commandArgs(trailingOnly = TRUE)
dir.create(args[3], showWarnings = FALSE, recursive = TRUE)
path <- file.path(args[3], "run.h5")
status <- system2(args[1], c("run", args[2], "--out", path, "--replicates", "2", "--threads", "2"))
stopifnot(status == 0)

nc <- nc_open(path)
stocks <- nc$var[["stocks"]]
# ncdf4 lists dimensions fastest-varying first: the file's (replicate, time, node, status) reversed.
dims <- sapply(stocks$dim, function(d) d$name)
stopifnot(identical(dims, c("status", "node", "time", "replicate")))
nodes <- ncvar_get(nc, "node")
statuses <- ncvar_get(nc, "status")
stopifnot("ITA" %in% nodes, "irregular" %in% statuses)
stopifnot(grepl("^days since", ncatt_get(nc, "time", "units")$value))
stopifnot(ncatt_get(nc, 0, "title")$value == "small test world")
x <- ncvar_get(nc, "stocks")
dimnames(x) <- list(statuses, nodes, NULL, NULL)
regular_in_italy <- x["regular", "ITA", , 1]
stopifnot(length(regular_in_italy) == length(ncvar_get(nc, "date")), all(regular_in_italy > 0))
nc_close(nc)
cat("ncdf4 read", path, "with dimensions", paste(rev(dims), collapse = ", "), "\n")
