"""Jobs as the API sees them: decoding a request body (``decode``), PaddleFlow's create rules and
the stored record (``create``), the job object shown (``view``) and the list page (``listing``)."""
