"""The server's storage: the SQLite database (``database``), the storage API over it
(``storage``), job records and their queries (``jobrecords``), users and tokens (``accounts``),
queues and flavours (``catalog``) and PaddleFlow's time format (``timefmt``)."""
