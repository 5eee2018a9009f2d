import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useNavigate } from 'react-router-dom';
import { api, unwrap, type Me } from './api/client';
import { session } from './session';

/** Who is signed in (GET /v1/me): role, name and the areas of the console the API lets them use. */
export function useMe() {
  const navigate = useNavigate();
  const token = session.token();
  useEffect(() => {
    if (!token) navigate('/sign-in', { replace: true });
  }, [token, navigate]);
  return useQuery<Me>({
    queryKey: ['me', token],
    queryFn: async () => unwrap(await api.GET('/v1/me')),
    enabled: token !== null,
    staleTime: Infinity,
  });
}
